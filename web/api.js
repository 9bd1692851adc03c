// Config, login (local demo users or Cognito's hosted UI with PKCE), the API, and live updates.

export const state = { config: null, token: null };

export async function loadConfig() {
  const resp = await fetch("config.json", { cache: "no-store" });
  state.config = resp.ok ? await resp.json() : { api: "", socket: "", auth: "local" };
  return state.config;
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.message || body.Message || body.error)) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

// F10: a step-up route answers 401 step_up_required to a sign-in that is too old; the page
// asks the user to confirm (onStepUp), signs in again and retries the request once.
let stepUpHandler = null;

/** `fn(errorBody)` → Promise<boolean>: true when the user signed in again (retry the request). */
export function onStepUp(fn) {
  stepUpHandler = fn;
}

/** Calls the API with the bearer token; JSON in and out; ApiError on 4xx/5xx. */
export async function api(path, options = {}) {
  const { method = "GET", body, headers = {}, raw = false, retried = false } = options;
  const init = { method, headers: { ...headers }, cache: "no-store" };
  if (state.token) init.headers.Authorization = `Bearer ${state.token}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(`${state.config.api}${path}`, init);
  if (raw) return resp;
  const text = await resp.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text };
  }
  if (resp.status === 401 && data && data.error === "step_up_required") {
    if (!retried && stepUpHandler && (await stepUpHandler(data))) return api(path, { ...options, retried: true });
    throw new ApiError(401, data); // still signed in: only this action needs the fresh sign-in
  }
  if (resp.status === 401) {
    logout();
    throw new ApiError(401, data);
  }
  if (!resp.ok) throw new ApiError(resp.status, data);
  return data;
}

// ---------------------------------------------------------------- login
const TOKEN_KEY = "skysentral.token";
const LOCAL_USER_KEY = "skysentral.localUser"; // F10: the demo user to sign in again as

export function restoreToken() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token && !expired(token)) state.token = token;
  return state.token;
}

function expired(token) {
  try {
    const claims = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    return claims.exp * 1000 < Date.now() + 30000;
  } catch {
    return true;
  }
}

function keep(token) {
  state.token = token;
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function logout() {
  state.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(LOCAL_USER_KEY);
  const cognito = state.config && state.config.cognito;
  if (state.config && state.config.auth === "cognito" && cognito) {
    const url = new URL(`${cognito.domain}/logout`);
    url.searchParams.set("client_id", cognito.client_id);
    url.searchParams.set("logout_uri", cognito.redirect_uri);
    window.location.assign(url.toString());
    return;
  }
  window.dispatchEvent(new Event("skysentral:logout"));
}

/** Local: the demo users the local cloud offers (GET /_local/login). */
export async function localUsers() {
  const resp = await fetch(`${state.config.api}/_local/login`, { cache: "no-store" });
  if (!resp.ok) throw new ApiError(resp.status, null);
  return (await resp.json()).users;
}

export async function localLogin(user, { mfa = false } = {}) {
  const resp = await fetch(`${state.config.api}/_local/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(mfa ? { user, mfa: true } : { user }),
  });
  const data = await resp.json();
  if (!resp.ok) throw new ApiError(resp.status, data);
  keep(data.token);
  sessionStorage.setItem(LOCAL_USER_KEY, user);
}

/**
 * F10 step-up: sign in again. Locally: the same demo user, "with MFA" (true: retry now).
 * With Cognito: the hosted UI with prompt=login (a fresh sign-in with the MFA code, never
 * the hosted UI's session); the page leaves, so nothing is retried (false).
 */
export async function stepUpLogin() {
  if (state.config.auth === "cognito") {
    await cognitoLogin({ prompt: "login" });
    return false;
  }
  const user = sessionStorage.getItem(LOCAL_USER_KEY);
  if (!user) return false;
  await localLogin(user, { mfa: true });
  return true;
}

// Cognito hosted UI: authorization code + PKCE (S256); the ID token is the API's bearer token.
function randomString(bytes = 32) {
  const arr = crypto.getRandomValues(new Uint8Array(bytes));
  return base64url(arr);
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function cognitoLogin(extra = {}) {
  const c = state.config.cognito;
  const verifier = randomString(48);
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const nonce = randomString(16);
  sessionStorage.setItem("skysentral.pkce", JSON.stringify({ verifier, nonce }));
  const url = new URL(`${c.domain}/oauth2/authorize`);
  Object.entries({
    response_type: "code",
    client_id: c.client_id,
    redirect_uri: c.redirect_uri,
    scope: c.scope || "openid email profile",
    code_challenge_method: "S256",
    code_challenge: challenge,
    state: nonce,
    ...extra,
  }).forEach(([k, v]) => url.searchParams.set(k, v));
  window.location.assign(url.toString());
}

/** Back from the hosted UI with ?code=…&state=…: trade the code for tokens. */
export async function cognitoCallback() {
  const params = new URLSearchParams(window.location.search);
  const code = params.get("code");
  if (!code) return false;
  const saved = JSON.parse(sessionStorage.getItem("skysentral.pkce") || "{}");
  sessionStorage.removeItem("skysentral.pkce");
  window.history.replaceState({}, "", window.location.pathname);
  if (!saved.verifier || params.get("state") !== saved.nonce) throw new Error("login state mismatch");
  const c = state.config.cognito;
  const resp = await fetch(`${c.domain}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: c.client_id,
      code,
      redirect_uri: c.redirect_uri,
      code_verifier: saved.verifier,
    }),
  });
  const data = await resp.json();
  if (!resp.ok || !data.id_token) throw new ApiError(resp.status, data);
  keep(data.id_token);
  return true;
}

// ---------------------------------------------------------------- live updates
/**
 * Keeps `GET /switchboard/live` fresh: on every WebSocket message (at most every 300 ms),
 * and every 5 s while the socket is down (with If-None-Match); reconnects with backoff.
 * onView(view) gets each new view; onMessage(msg) each pushed message; onMode("live"|"polling"|"connecting").
 */
export class LiveFeed {
  constructor({ onView, onMessage = () => {}, onMode = () => {}, onError = () => {} }) {
    Object.assign(this, { onView, onMessage, onMode, onError });
    this.etag = null;
    this.socket = null;
    this.backoff = 1000;
    this.lastFetch = 0;
    this.pending = null;
    this.inFlight = false;
    this.poller = null;
    this.stopped = false;
  }

  start() {
    this.stopped = false;
    this.refresh(true);
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearInterval(this.poller);
    clearTimeout(this.pending);
    clearTimeout(this.reconnectTimer);
    if (this.socket) this.socket.close();
  }

  /** Re-read the view now or as soon as 300 ms have passed since the last read. */
  schedule() {
    if (this.pending) return;
    const wait = Math.max(0, 300 - (Date.now() - this.lastFetch));
    this.pending = setTimeout(() => {
      this.pending = null;
      this.refresh();
    }, wait);
  }

  async refresh(force = false) {
    if (this.inFlight) {
      this.schedule();
      return;
    }
    this.inFlight = true;
    this.lastFetch = Date.now();
    try {
      const headers = this.etag && !force ? { "If-None-Match": this.etag } : {};
      const resp = await api("/switchboard/live", { headers, raw: true });
      if (resp.status === 304) return;
      if (resp.status === 401) {
        logout();
        return;
      }
      if (!resp.ok) throw new ApiError(resp.status, await resp.json().catch(() => null));
      this.etag = resp.headers.get("ETag");
      this.onView(await resp.json());
    } catch (err) {
      this.onError(err);
    } finally {
      this.inFlight = false;
    }
  }

  connect() {
    const base = state.config.socket;
    if (!base || this.stopped || typeof WebSocket === "undefined") {
      this.polling();
      return;
    }
    this.onMode("connecting");
    let socket;
    try {
      socket = new WebSocket(`${base}${base.includes("?") ? "&" : "?"}token=${encodeURIComponent(state.token)}`);
    } catch {
      this.retry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.backoff = 1000;
      clearInterval(this.poller);
      this.poller = null;
      this.onMode("live");
      this.refresh(true); // a reconnecting browser re-reads the view
      this.ping = setInterval(() => socket.readyState === 1 && socket.send(JSON.stringify({ action: "ping" })), 240000);
    };
    socket.onmessage = (ev) => {
      let msg = null;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (msg.type === "pong") return;
      this.onMessage(msg);
      this.schedule();
    };
    socket.onclose = () => {
      clearInterval(this.ping);
      if (this.socket === socket) this.socket = null;
      this.retry();
    };
    socket.onerror = () => socket.close();
  }

  retry() {
    if (this.stopped) return;
    this.polling();
    const jitter = Math.random() * 300;
    this.reconnectTimer = setTimeout(() => this.connect(), this.backoff + jitter);
    this.backoff = Math.min(this.backoff * 2, 30000);
  }

  polling() {
    if (this.stopped) return;
    this.onMode("polling");
    if (!this.poller) this.poller = setInterval(() => this.refresh(), 5000);
  }
}
