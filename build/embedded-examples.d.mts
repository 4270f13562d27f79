export declare const EMBEDDED_EXAMPLE_FILES: string[];
export declare function embeddedExamplesDefine(root?: string): { __KUBECTL_PROMOTION_EXAMPLES__: string };
