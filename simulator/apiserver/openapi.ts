// The OpenAPI v2 document: the definitions of the CRD-served kinds, from their schemas (openapi-v3.ts
// builds the v3 documents kubectl reads first). kubectl 1.32 asks for v2 as protobuf (gnostic's
// openapi.v2.Document) for `kubectl explain --output=plaintext-openapiv2`, for client-side
// validation against a server that does not validate fields itself, and when `kubectl apply`
// patches an existing object; it gets the same definitions as the JSON form, each kind marked by
// its x-kubernetes-group-version-kind as kube-apiserver marks them.
import { SERVER_VERSION } from './discovery.ts';
import { definitionName, publishedSchema } from './openapi-v3.ts';
import { lengthDelimited, varint } from './protobuf.ts';
import { RESOURCES, structuralSchema } from './resources.ts';

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
      if (structuralSchema(def) !== undefined)
        definitions[definitionName(def.group, def.version, def.kind)] = publishedSchema(def, ref);
    }
    const objectMeta = { type: 'object', description: 'Standard object metadata.' };
    definitions['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'] = objectMeta;
    json = JSON.stringify({ ...DOCUMENT, definitions });
  }
  return json;
}

// ---- protobuf (proto3 wire format) ---------------------------------------------------------------

function text(field: number, value: string): Buffer {
  return lengthDelimited(field, Buffer.from(value, 'utf8'));
}

function integer(field: number, value: number): Buffer {
  return Buffer.from([...varint(field << 3), ...varint(value)]);
}

function double(field: number, value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(value);
  return Buffer.concat([Buffer.from(varint((field << 3) | 1)), b]);
}

/** gnostic `Any`: a value as YAML text (field 2); JSON is YAML. */
function any(field: number, value: unknown): Buffer {
  return lengthDelimited(field, text(2, JSON.stringify(value)));
}

/** gnostic `NamedAny` (vendor extensions): name = 1, value = 2. */
function namedAny(field: number, name: string, value: unknown): Buffer {
  return lengthDelimited(field, Buffer.concat([text(1, name), any(2, value)]));
}

// Schema's scalar fields by JSON name: field number and encoding.
const SCHEMA_SCALARS: Record<string, [number, 'string' | 'double' | 'bool' | 'int']> = {
  format: [2, 'string'],
  title: [3, 'string'],
  description: [4, 'string'],
  multipleOf: [6, 'double'],
  maximum: [7, 'double'],
  exclusiveMaximum: [8, 'bool'],
  minimum: [9, 'double'],
  exclusiveMinimum: [10, 'bool'],
  maxLength: [11, 'int'],
  minLength: [12, 'int'],
  pattern: [13, 'string'],
  maxItems: [14, 'int'],
  minItems: [15, 'int'],
  uniqueItems: [16, 'bool'],
  maxProperties: [17, 'int'],
  minProperties: [18, 'int'],
  discriminator: [26, 'string'],
  readOnly: [27, 'bool'],
};

/** gnostic `openapi.v2.Schema`; what Swagger 2.0 cannot say (nullable, oneOf, anyOf, not) is left out. */
function schemaMessage(schema: Record<string, unknown>): Buffer {
  const parts: Buffer[] = [];
  const allOf = schema.allOf as Record<string, unknown>[] | undefined;
  // A reference with a description beside it (`allOf: [{$ref}]`, as v3 writes it) is v2's plain $ref.
  const ref =
    (schema.$ref as string | undefined) ??
    (allOf?.length === 1 && typeof allOf[0]!.$ref === 'string' ? (allOf[0]!.$ref as string) : undefined);
  if (ref !== undefined) parts.push(text(1, ref));
  for (const [key, value] of Object.entries(schema)) {
    const scalar = SCHEMA_SCALARS[key];
    if (scalar !== undefined) {
      const [field, kind] = scalar;
      if (kind === 'string' && typeof value === 'string') parts.push(text(field, value));
      else if (kind === 'double' && typeof value === 'number') parts.push(double(field, value));
      else if (kind === 'int' && typeof value === 'number') parts.push(integer(field, value));
      else if (kind === 'bool' && value === true) parts.push(integer(field, 1));
      continue;
    }
    switch (key) {
      case 'default':
        parts.push(any(5, value));
        break;
      case 'required':
        for (const r of value as string[]) parts.push(text(19, r));
        break;
      case 'enum':
        for (const e of value as unknown[]) parts.push(any(20, e));
        break;
      case 'additionalProperties':
        parts.push(
          lengthDelimited(
            21,
            typeof value === 'boolean'
              ? integer(2, value ? 1 : 0)
              : lengthDelimited(1, schemaMessage(value as Record<string, unknown>)),
          ),
        );
        break;
      case 'type': {
        const types = Array.isArray(value) ? (value as string[]) : [value as string];
        parts.push(lengthDelimited(22, Buffer.concat(types.map((t) => text(1, t)))));
        break;
      }
      case 'items': {
        const items = Array.isArray(value) ? value : [value];
        const encoded = items.map((i) => lengthDelimited(1, schemaMessage(i as Record<string, unknown>)));
        parts.push(lengthDelimited(23, Buffer.concat(encoded)));
        break;
      }
      case 'allOf':
        if (ref === undefined) {
          for (const a of value as Record<string, unknown>[]) parts.push(lengthDelimited(24, schemaMessage(a)));
        }
        break;
      case 'properties': {
        const named = Object.entries(value as Record<string, Record<string, unknown>>).map(([name, p]) =>
          lengthDelimited(1, Buffer.concat([text(1, name), lengthDelimited(2, schemaMessage(p))])),
        );
        parts.push(lengthDelimited(25, Buffer.concat(named)));
        break;
      }
      default:
        if (key.startsWith('x-')) parts.push(namedAny(31, key, value));
    }
  }
  return Buffer.concat(parts);
}

let protobuf: Buffer | undefined;

/**
 * gnostic `openapi.v2.Document`: swagger = 1, info = 2 {title = 1, version = 2}, paths = 8 (none),
 * definitions = 9 {repeated NamedSchema {name = 1, value = 2} = 1}.
 */
export function openApiV2Protobuf(): Buffer {
  if (protobuf === undefined) {
    const doc = JSON.parse(openApiV2Json()) as { definitions: Record<string, Record<string, unknown>> };
    const info = Buffer.concat([text(1, DOCUMENT.info.title), text(2, DOCUMENT.info.version)]);
    const definitions = Object.entries(doc.definitions).map(([name, schema]) =>
      lengthDelimited(1, Buffer.concat([text(1, name), lengthDelimited(2, schemaMessage(schema))])),
    );
    protobuf = Buffer.concat([
      text(1, DOCUMENT.swagger),
      lengthDelimited(2, info),
      lengthDelimited(8, Buffer.alloc(0)),
      lengthDelimited(9, Buffer.concat(definitions)),
    ]);
  }
  return protobuf;
}
