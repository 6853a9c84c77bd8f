// Talks to the dashboard's API, relative to the page's own address (so it works mounted under any
// path), carrying the token the page was opened with.
const token = new URLSearchParams(location.search).get('token');

/** `path` (relative, like `api/jobs?status=dead`) with the token added when there is one. */
export function withToken(path) {
  if (!token) return path;
  return path + (path.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token);
}

/** An error answer's message, or the status. */
async function failure(path, response) {
  try {
    const body = await response.json();
    if (body && body.error)
      return new Error(body.error.message + ' (' + (body.error.code ?? response.status) + ')');
  } catch {
    // not JSON: the status says enough
  }
  return new Error(path + ': HTTP ' + response.status);
}

/** GETs `path` as JSON; throws with the server's message on an error answer. */
export async function get(path) {
  const response = await fetch(withToken(path), { headers: { accept: 'application/json' } });
  if (!response.ok) throw await failure(path, response);
  return response.json();
}

/** POSTs a body to `path` (commands): the header marks it as coming from this page. */
export async function post(path, body) {
  const response = await fetch(withToken(path), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-warden-request': '1' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw await failure(path, response);
  return response.json();
}

/** A query string from the entries of `params` that have a value. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') q.set(key, String(value));
  }
  const text = q.toString();
  return text ? '?' + text : '';
}
