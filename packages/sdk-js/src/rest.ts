/**
 * A REST path with every interpolated value encoded as one path segment or query value:
 * `restPath\`/v1/conversations/${id}/members\``. An id with `/`, `?` or `#` in it cannot
 * reach another route.
 */
export function restPath(strings: TemplateStringsArray, ...values: ReadonlyArray<string | number>): string {
  return strings.reduce((path, part, i) => path + part + (i < values.length ? encodeURIComponent(String(values[i])) : ''), '');
}
