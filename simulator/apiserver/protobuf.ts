// The protobuf wire format, as far as this server speaks it: varints and length-delimited fields to
// write the OpenAPI v2 document (openapi.ts), and a reader for the `k8s\0` envelope
// (runtime.Unknown) Go clients wrap built-in objects in when they send them as
// application/vnd.kubernetes.protobuf.
import { badRequest } from './errors.ts';

export const KUBERNETES_PROTOBUF = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** A varint; a negative number as its 64-bit two's complement, as protobuf writes an int64. */
export function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, BigInt(Math.trunc(n)));
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

/** Length-delimited protobuf field: tag (field number, wire type 2), varint length, bytes. */
export function lengthDelimited(field: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([...varint((field << 3) | 2), ...varint(payload.length)]), payload]);
}

/** One field of a message: a varint's value, or a length-delimited field's bytes. */
export type Field = { number: number; varint: number } | { number: number; bytes: Buffer };

/** The fields of a message in order; fixed-width fields are skipped, as nothing here has them. */
export function readFields(buf: Buffer): Field[] {
  const fields: Field[] = [];
  let at = 0;
  const readVarint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (at >= buf.length) throw badRequest('the protobuf body of the request is truncated');
      const byte = buf[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
      shift += 7;
      if (shift > 63) throw badRequest('the protobuf body of the request has a malformed varint');
    }
  };
  while (at < buf.length) {
    const tag = readVarint();
    const number = Math.floor(tag / 8);
    switch (tag & 7) {
      case 0:
        fields.push({ number, varint: readVarint() });
        break;
      case 1:
        at += 8;
        break;
      case 2: {
        const length = readVarint();
        if (at + length > buf.length) throw badRequest('the protobuf body of the request is truncated');
        fields.push({ number, bytes: buf.subarray(at, at + length) });
        at += length;
        break;
      }
      case 5:
        at += 4;
        break;
      default:
        throw badRequest(`the protobuf body of the request has an unsupported wire type ${tag & 7}`);
    }
  }
  if (at > buf.length) throw badRequest('the protobuf body of the request is truncated');
  return fields;
}

/** The last occurrence of a length-delimited field (protobuf's rule for a repeated singular field). */
export function bytesField(fields: readonly Field[], number: number): Buffer | undefined {
  let found: Buffer | undefined;
  for (const f of fields) if (f.number === number && 'bytes' in f) found = f.bytes;
  return found;
}

export function stringField(fields: readonly Field[], number: number): string | undefined {
  return bytesField(fields, number)?.toString('utf8');
}

/** runtime.Unknown {typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, contentEncoding = 3, contentType = 4}. */
export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Buffer;
}

export function readEnvelope(body: Buffer): Envelope {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw badRequest('the body of the request could not be decoded: protobuf without the k8s\\0 prefix');
  }
  const unknown = readFields(body.subarray(MAGIC.length));
  const typeMeta = readFields(bytesField(unknown, 1) ?? Buffer.alloc(0));
  return {
    apiVersion: stringField(typeMeta, 1) ?? '',
    kind: stringField(typeMeta, 2) ?? '',
    raw: bytesField(unknown, 2) ?? Buffer.alloc(0),
  };
}
