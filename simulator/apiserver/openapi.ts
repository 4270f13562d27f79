// A deliberately empty OpenAPI v2 document. kubectl validates manifests on the client against
// /openapi/v2 before create, replace and apply, fails when the endpoint is missing, and skips the
// check for kinds the document does not define. Older kubectl (the 1.20 CI installs) reads it
// only as protobuf, so the same document is served in both encodings.
import { SERVER_VERSION } from './discovery.ts';

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

const DOCUMENT = {
  swagger: '2.0',
  info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion },
  paths: {},
  definitions: {},
};

export function openApiV2Json(): string {
  return JSON.stringify(DOCUMENT);
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
