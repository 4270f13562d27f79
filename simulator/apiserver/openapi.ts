// The OpenAPI v2 document. As JSON it carries the definitions of the CRD-served kinds, from their
// schemas (openapi-v3.ts builds the v3 documents kubectl explain reads). As protobuf, which kubectl
// reads for client-side validation only when the server does not validate fields itself, it stays
// without definitions: kubectl then skips the check, and this server's strict field validation
// (which kubectl learns of from the v3 documents) answers instead.
import { SERVER_VERSION } from './discovery.ts';
import { definitionName, publishedSchema } from './openapi-v3.ts';
import { RESOURCES } from './resources.ts';

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

const DOCUMENT = {
  swagger: '2.0',
  info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion },
  paths: {},
  definitions: {},
};

let json: string | undefined;

export function openApiV2Json(): string {
  if (json === undefined) {
    const ref = (name: string) => `#/definitions/${name}`;
    const definitions: Record<string, object> = {};
    for (const def of RESOURCES) {
      if (def.schema !== undefined)
        definitions[definitionName(def.group, def.version, def.kind)] = publishedSchema(def, ref);
    }
    const objectMeta = { type: 'object', description: 'Standard object metadata.' };
    definitions['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'] = objectMeta;
    json = JSON.stringify({ ...DOCUMENT, definitions });
  }
  return json;
}

/** Length-delimited protobuf field: tag (field number, wire type 2), varint length, bytes. */
function lengthDelimited(field: number, payload: Buffer): Buffer {
  const length: number[] = [];
  let n = payload.length;
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n > 0) byte |= 0x80;
    length.push(byte);
  } while (n > 0);
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...length]), payload]);
}

/** gnostic `openapi.v2.Document` {swagger = 1, info = 2 {title = 1, version = 2}}. */
export function openApiV2Protobuf(): Buffer {
  const info = Buffer.concat([
    lengthDelimited(1, Buffer.from(DOCUMENT.info.title)),
    lengthDelimited(2, Buffer.from(DOCUMENT.info.version)),
  ]);
  return Buffer.concat([lengthDelimited(1, Buffer.from(DOCUMENT.swagger)), lengthDelimited(2, info)]);
}
