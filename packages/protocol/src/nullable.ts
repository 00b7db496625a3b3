import { type Static, type TInteger, type TNumber, type TString, Type } from '@sinclair/typebox';

/**
 * A scalar or `null`, as one JSON Schema `type` list (`["string", "null"]`) rather than `anyOf`.
 * A validator that coerces types, as the relay's does for query strings, then leaves `null`,
 * `0` and `""` as they are: with `anyOf` it turns `null` into `""` or `0` (string or number
 * first) or `0` and `""` into `null` (null first).
 */
export function Nullable<T extends TString | TInteger | TNumber>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] });
}
