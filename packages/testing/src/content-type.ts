/**
 * Tells whether a `Content-Type` is `application/json`, a UTF-8 charset parameter allowed:
 * the API only reads JSON, and other charsets or parameters would be misread, not converted.
 */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [mediaType = '', ...parameters] = header.split(';');
  if (mediaType.trim().toLowerCase() !== 'application/json') return false;
  return parameters.every((parameter) => {
    const [name = '', value = ''] = parameter.split('=');
    const charset = value
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    return name.trim().toLowerCase() === 'charset' && (charset === 'utf-8' || charset === 'utf8');
  });
}
