/**
 * Server endpoints under a base URL. The base URL's path is kept, so a server behind a reverse
 * proxy at a path prefix works: `http://host:8080/x` + `rpc` → `http://host:8080/x/rpc`
 * (`new URL('/rpc', base)` would drop the `/x`).
 */

/** `path` (no leading `/`) under `base`'s path, without base's query or fragment. */
export function endpointUrl(base: string, path: string): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${path}`;
  url.search = '';
  url.hash = '';
  return url;
}
