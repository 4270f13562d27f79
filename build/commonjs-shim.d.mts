export declare const COMMONJS_SHIM: string;
export declare const COMMONJS_DEFINES: { __filename: string; __dirname: string };
