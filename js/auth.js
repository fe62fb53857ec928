// graphwalk's calls into MSAL.js (the global `msal` from msal-browser.min.js, which the app loads only in
// live mode). Kept tiny: the decisions (silent first, when to prompt, popup or redirect) are made in Rust.
let pca = null;
// The sign-in window MSAL.js opened last (from its POPUP_OPENED event), to notice the user closing it.
let lastPopup = null;
// How long a closed sign-in window may stay unexplained before the sign-in counts as cancelled: the redirect
// page says it came back before it closes the window, so a successful sign-in is never taken for this.
const CLOSED_GRACE_MS = 800;

function client() {
  if (!pca) throw Object.assign(new Error('MSAL.js is not initialized'), { errorCode: 'uninitialized_public_client_application' });
  return pca;
}

function accountOf(a) {
  return a ? { username: a.username || '', tenantId: a.tenantId || '' } : null;
}

function result(r) {
  if (r.account) pca.setActiveAccount(r.account);
  return {
    accessToken: r.accessToken,
    username: (r.account && r.account.username) || '',
    tenantId: r.tenantId || (r.account && r.account.tenantId) || '',
  };
}

// Starts MSAL, finishes a redirect sign-in if the page is coming back from one, and returns the account.
export async function msalInit(clientId, authority, redirectUri) {
  const msal = globalThis.msal;
  if (!msal || !msal.PublicClientApplication) throw new Error('MSAL.js is not loaded');
  // Inside a frame of another site, the redirect bridge's BroadcastChannel cannot reach the frame (browsers
  // partition it by top-level site): sign-in goes through the popup relay page, a top-level window of this
  // site that passes the answer back to the frame by postMessage (MSAL.js 5.17+, `auth.popupRelayUri`).
  const relay = inFrame() ? { popupRelayUri: resolveUrl('popup-relay.html'), popupRelayProtocolVersion: 2 } : {};
  pca = new msal.PublicClientApplication({
    auth: { clientId, authority, redirectUri, postLogoutRedirectUri: redirectUri, ...relay },
    cache: { cacheLocation: 'sessionStorage' },
    system: { allowRedirectInIframe: false },
  });
  await pca.initialize();
  pca.addEventCallback((event) => {
    if (msal.EventType && event.eventType === msal.EventType.POPUP_OPENED && event.payload) {
      lastPopup = event.payload.popupWindow || null;
    }
  });
  const back = await pca.handleRedirectPromise();
  if (back && back.account) pca.setActiveAccount(back.account);
  else if (!pca.getActiveAccount()) {
    const all = pca.getAllAccounts();
    if (all.length) pca.setActiveAccount(all[0]);
  }
  return accountOf(pca.getActiveAccount());
}

export function msalAccount() {
  return pca ? accountOf(pca.getActiveAccount()) : null;
}

export async function msalSilent(scopes, forceRefresh) {
  const p = client();
  const account = p.getActiveAccount() || undefined;
  return result(await p.acquireTokenSilent({ scopes, account, forceRefresh }));
}

// Opens the sign-in window at once (MSAL.js opens it before any awaiting, so the click that called this
// still counts), and settles with "user_cancelled" soon after the user closes it: MSAL.js 5's bridge wait
// has no closed-window check of its own and would wait 60 s. In a frame the popup relay tracks its windows
// itself. `overrideInteractionInProgress` ends the wait left over from a window closed earlier.
export async function msalPopup(scopes) {
  const p = client();
  lastPopup = null;
  let returned = false;
  const signal = !inFrame() && typeof BroadcastChannel === 'function' ? new BroadcastChannel('graphwalk.sign-in') : null;
  if (signal) {
    signal.onmessage = (event) => {
      if (event.data && event.data.type === 'returned') returned = true;
    };
  }
  const signIn = p.acquireTokenPopup({ scopes, overrideInteractionInProgress: true });
  let poll = null;
  const closed = new Promise((_, reject) => {
    if (!signal) return;
    let closedSince = 0;
    poll = setInterval(() => {
      const win = lastPopup;
      if (returned || !win || !win.closed) {
        closedSince = 0;
        return;
      }
      closedSince = closedSince || Date.now();
      if (Date.now() - closedSince >= CLOSED_GRACE_MS) {
        reject(Object.assign(new Error('The sign-in window was closed before sign-in finished.'), { errorCode: 'user_cancelled' }));
      }
    }, 100);
  });
  try {
    return result(await Promise.race([signIn, closed]));
  } finally {
    if (poll) clearInterval(poll);
    if (signal) signal.close();
    // The abandoned bridge wait rejects later; nobody listens to it any more.
    signIn.catch(() => {});
  }
}

export async function msalRedirect(scopes) {
  await client().acquireTokenRedirect({ scopes, overrideInteractionInProgress: true });
}

// Forgets the account in this page; `popup` also signs out at Microsoft in a popup window.
export async function msalSignOut(popup) {
  const p = client();
  const account = p.getActiveAccount() || undefined;
  if (popup) {
    try {
      await p.logoutPopup({ account });
      p.setActiveAccount(null);
      return;
    } catch (_) {
      // A blocked or closed popup: still forget the account locally below.
    }
  }
  await p.clearCache({ account });
  p.setActiveAccount(null);
}

// MSAL 5 puts a docs link in `message`; the code is what to branch on.
export function msalErrorCode(e) {
  if (e && typeof e.errorCode === 'string' && e.errorCode) return e.errorCode;
  if (e && typeof e.name === 'string' && e.name !== 'Error') return e.name;
  return 'unknown_error';
}

export function msalErrorMessage(e) {
  const text = (e && (e.errorMessage || e.message)) || String(e);
  return typeof text === 'string' ? text : '';
}

export function msalInteractionRequired(e) {
  const msal = globalThis.msal;
  return !!(msal && msal.InteractionRequiredAuthError && e instanceof msal.InteractionRequiredAuthError);
}

// The page's URL, resolved against the document base (for the default redirect page and the MSAL script).
export function resolveUrl(path) {
  return new URL(path, document.baseURI).href;
}

export function inFrame() {
  try {
    return window.self !== window.top;
  } catch (_) {
    return true;
  }
}
