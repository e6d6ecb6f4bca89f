/* Requests to the app's JSON API. */

/** An error answer: the API's message, the HTTP status and its Retry-After (or null). */
export class ApiError extends Error {
  constructor(message, status, retryAfter) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter || null;
  }
}

/** A query string from *params*, leaving out empty values. */
export function query(params) {
  return Object.keys(params)
    .filter((key) => params[key] !== "" && params[key] !== null && params[key] !== undefined)
    .map((key) => encodeURIComponent(key) + "=" + encodeURIComponent(params[key]))
    .join("&");
}

/** The body of an answer, or an ApiError with the API's message. */
function answer(response) {
  return response.json().catch(() => null).then((body) => {
    if (!response.ok) {
      throw new ApiError((body && body.message) || "the server answered " + response.status,
                         response.status, response.headers.get("Retry-After"));
    }
    return body;
  });
}

/**
 * GET *url* as JSON, aborting *previous* (the controller of the last request of the same
 * kind: only the latest answer matters). Returns {promise, controller}.
 */
export function getJSON(url, previous) {
  if (previous) previous.abort();
  const controller = new AbortController();
  const promise = fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } })
    .then(answer);
  return { promise, controller };
}

/** A JSON write (Content-Type: application/json, which a cross-site form cannot send). */
export function sendJSON(method, url, body) {
  return fetch(url, {
    method, credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body || {})
  }).then(answer);
}

export function isAbort(err) { return Boolean(err) && err.name === "AbortError"; }
