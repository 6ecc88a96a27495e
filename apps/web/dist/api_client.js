// The only way pages call the JSON API: same origin, JSON in and out, and failures as ApiError that
// carries the server's stable {error: {code, message, details}} payload.

export const TOKEN_STORAGE_KEY = "trading.apiToken";

export class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = Array.isArray(details) ? details : [];
  }
}

function requestHeaders(hasBody) {
  const headers = { Accept: "application/json" };
  if (hasBody) headers["Content-Type"] = "application/json";
  // The embedded single-user setup needs no token; a deployment with auth stores one here.
  const token = window.localStorage.getItem(TOKEN_STORAGE_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  return headers;
}

function parseJson(text) {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function errorFromResponse(response, data) {
  const error = data && data.error;
  if (error && typeof error === "object") {
    return new ApiError(response.status, error.code || `http_${response.status}`, error.message || "", error.details);
  }
  const message = data && typeof data.detail === "string" ? data.detail : response.statusText;
  return new ApiError(response.status, `http_${response.status}`, message || `HTTP ${response.status}`);
}

export async function apiRequest(method, url, body, { signal } = {}) {
  const hasBody = body !== undefined;
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: requestHeaders(hasBody),
      body: hasBody ? JSON.stringify(body) : undefined,
      signal,
    });
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(0, "network_error", `Cannot reach the server (${err && err.message ? err.message : err}).`);
  }
  const data = parseJson(await response.text());
  if (!response.ok) throw errorFromResponse(response, data);
  return data;
}

export const getJson = (url, options) => apiRequest("GET", url, undefined, options);
export const postJson = (url, body, options) => apiRequest("POST", url, body, options);

export function isAbort(err) {
  return Boolean(err && err.name === "AbortError");
}
