import { meshErrors, type ApiVersion } from '../errors/mesh-errors.js';

const VERSIONED = /^application\/vnd\.mesh\.v(\d+)\+json$/i;

/**
 * The API version an Accept header asks for: v2 only for `application/vnd.mesh.v2+json`, v1 otherwise
 * (including a missing header). Parts are split on both ',' and ';' so media-type lists work too.
 * A `vnd.mesh` part naming an unknown version is a 400, as in mesh-sandbox.
 */
export function apiVersionOf(accept: string | undefined): ApiVersion {
  if (!accept) return 1;
  let version: ApiVersion = 1;
  for (const raw of accept.split(/[;,]/)) {
    const part = raw.trim();
    if (!part.toLowerCase().includes('vnd.mesh')) continue;
    const m = VERSIONED.exec(part);
    if (!m) throw meshErrors.badAccept(accept);
    const n = Number(m[1]);
    if (n === 2) version = 2;
    else if (n !== 1) throw meshErrors.badAccept(accept);
  }
  return version;
}

/** The Content-Type of JSON responses for a version. */
export function jsonContentType(version: ApiVersion): string {
  return version === 2 ? 'application/vnd.mesh.v2+json' : 'application/json';
}
