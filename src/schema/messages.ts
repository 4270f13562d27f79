// How a schema error reads: as a `details.causes[]` entry of kube-apiserver's 422 (reason and
// message of k8s.io/apimachinery's field.Error), and as a lint finding, which names the field
// through its position and so leaves the path out of the text.
import { goValue, type SchemaError } from './structural.ts';

const REASONS: Record<SchemaError['type'], string> = {
  Required: 'FieldValueRequired',
  Invalid: 'FieldValueInvalid',
  TypeInvalid: 'FieldValueTypeInvalid',
  NotSupported: 'FieldValueNotSupported',
  TooLong: 'FieldValueTooLong',
  TooMany: 'FieldValueTooMany',
  Duplicate: 'FieldValueDuplicate',
  Forbidden: 'FieldValueForbidden',
};

export function causeReason(e: SchemaError): string {
  return REASONS[e.type];
}

function supportedValues(e: SchemaError): string {
  return (e.supported ?? []).map(goValue).join(', ');
}

/** The detail as kube-openapi writes it, naming the field: `spec.x in body must be of type boolean: "string"`. */
function bodyDetail(e: SchemaError): string {
  if (!e.inBody) return e.detail;
  const text = `${e.field} in body ${e.detail}`;
  return e.type === 'TypeInvalid' ? `${text}: ${goValue(e.value)}` : text;
}

/** field.Error.ErrorBody(): the cause message the API server sends. */
export function causeMessage(e: SchemaError): string {
  switch (e.type) {
    case 'Required':
      return e.detail === '' ? 'Required value' : `Required value: ${e.detail}`;
    case 'Forbidden':
      return e.detail === '' ? 'Forbidden' : `Forbidden: ${e.detail}`;
    case 'NotSupported':
      return `Unsupported value: ${goValue(e.value)}: supported values: ${supportedValues(e)}`;
    case 'Duplicate':
      return `Duplicate value: ${goValue(e.value)}`;
    case 'TooLong':
      return `Too long: may not be more than ${e.limit} bytes`;
    case 'TooMany':
      return `Too many: ${goValue(e.value)}: must have at most ${e.limit} items`;
    case 'Invalid':
    case 'TypeInvalid':
      return `Invalid value: ${goValue(e.value)}: ${bodyDetail(e)}`;
  }
}

/** `spec.stages[0].name: Required value`, as kubectl prints each cause. */
export function fieldErrorText(e: SchemaError): string {
  return e.field === '' ? causeMessage(e) : `${e.field}: ${causeMessage(e)}`;
}

/** The text of a lint finding at the field: the API server's words without the field path. */
export function lintMessage(e: SchemaError, actual?: unknown): string {
  switch (e.type) {
    case 'TypeInvalid':
      return `Invalid value: ${goValue(actual ?? e.value)}: ${e.detail}`;
    case 'Invalid':
      if (e.rule !== undefined) return e.detail;
      return `Invalid value: ${goValue(e.value)}: ${e.detail}`;
    default:
      return causeMessage(e);
  }
}
