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

// Accounts signed in for steps that run as someone else (the tutorial's requestor): never made the active
// account, which stays the reader's own. Only their user names are kept, in this tab.
const OTHERS_KEY = 'graphwalk.other-accounts';

function others() {
  try {
    return JSON.parse(sessionStorage.getItem(OTHERS_KEY) || '[]');
  } catch (_) {
    return [];
  }
}

function noteOther(username) {
  const list = others().filter((u) => !sameName(u, username));
  list.push(username);
  try {
    sessionStorage.setItem(OTHERS_KEY, JSON.stringify(list));
  } catch (_) {
    // Storage refused: the account still works in this page.
  }
}

function isOther(account) {
  return others().some((u) => sameName(u, account.username));
}

// User names compare without regard to case (as Entra's do); graphwalk's Rust side compares the same way.
function sameName(a, b) {
  return (a || '').toLowerCase() === (b || '').toLowerCase();
}

// Microsoft's page answered as `got` where `wanted` was asked for (a silent renewal, or someone else typed in
// at the sign-in): nothing of `got` is kept unless it is already in use here (the reader's account, or one of
// the other accounts), and the reader's account stays the active one.
async function refuse(wanted, got) {
  const p = client();
  const active = p.getActiveAccount();
  const inUse = (active && active.homeAccountId === got.homeAccountId) || isOther(got);
  if (!inUse) await p.clearCache({ account: got });
  return Object.assign(new Error(`Microsoft answered as ${got.username || 'another account'}, not ${wanted}.`), {
    errorCode: 'account_mismatch',
    wanted,
    got: got.username || '',
  });
}

// A redirect sign-in names the reader it was for (kept across the page's departure), so the account that comes
// back can be checked; a refusal waits here for the page to report it.
const REDIRECT_FOR_KEY = 'graphwalk.redirect-for';
// Set at sign-out when another account had signed in beside the reader: Microsoft may still hold that
// account's session, so the next sign-in asks which account rather than taking the one session there.
const ASK_ACCOUNT_KEY = 'graphwalk.ask-account';
// Set once another account has signed in in this tab, and kept when the page forgets that account: its
// Microsoft session outlives a forget here.
const OTHER_SESSIONS_KEY = 'graphwalk.other-sessions';
let refusal = null;

function stored(key) {
  try {
    return sessionStorage.getItem(key) || '';
  } catch (_) {
    return '';
  }
}

function store(key, value) {
  try {
    if (value) sessionStorage.setItem(key, value);
    else sessionStorage.removeItem(key);
  } catch (_) {
    // Storage refused: the check is skipped, never the sign-in.
  }
}

// The account a token is asked for: the reader's (active) one, or another signed in here by user name.
function accountFor(username) {
  const p = client();
  if (!username) return p.getActiveAccount() || undefined;
  const account = p.getAccount({ username });
  if (!account) {
    throw Object.assign(new Error(`${username} has not signed in on this page.`), { errorCode: 'no_account_error' });
  }
  return account;
}

function result(r) {
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
  const wanted = stored(REDIRECT_FOR_KEY);
  let back;
  try {
    back = await pca.handleRedirectPromise();
  } finally {
    // Whatever came back (or failed), the next redirect says afresh whom it is for.
    if (wanted) store(REDIRECT_FOR_KEY, '');
  }
  if (back && back.account && wanted && !sameName(back.account.username, wanted)) {
    // The redirect was for the reader and came back as someone else: the reader stays who they were.
    refusal = await refuse(wanted, back.account);
  } else if (back && back.account) {
    pca.setActiveAccount(back.account);
    store(ASK_ACCOUNT_KEY, '');
  } else if (!pca.getActiveAccount()) {
    const all = pca.getAllAccounts().filter((a) => !isOther(a));
    if (all.length) pca.setActiveAccount(all[0]);
  }
  return accountOf(pca.getActiveAccount());
}

// The refusal of a redirect sign-in's answer, once (see msalInit), or null.
export function msalTakeRefusal() {
  const taken = refusal;
  refusal = null;
  return taken;
}

export function msalAccount() {
  return pca ? accountOf(pca.getActiveAccount()) : null;
}

// `username`: another account signed in here with msalPopup's `loginHint`; empty for the reader's own. A
// renewal through the hidden frame takes whichever Microsoft session answers: an answer as anyone but the
// account asked for is refused, and never becomes the reader's account.
export async function msalSilent(scopes, forceRefresh, username) {
  const account = accountFor(username);
  const r = await client().acquireTokenSilent({ scopes, account, forceRefresh });
  if (account && (!r.account || r.account.homeAccountId !== account.homeAccountId)) {
    throw await refuse(account.username, r.account || {});
  }
  return result(r);
}

// Opens the sign-in window at once (MSAL.js opens it before any awaiting, so the click that called this
// still counts), and settles with "user_cancelled" soon after the user closes it: MSAL.js 5's bridge wait
// has no closed-window check of its own and would wait 60 s. In a frame the popup relay tracks its windows
// itself. `overrideInteractionInProgress` ends the wait left over from a window closed earlier.
// `loginHint`: the account that must sign in; anyone else is refused. With `other`, that account is signed in
// beside the reader's rather than in place of it (`prompt=login` shows Microsoft's sign-in page even when a
// session exists, with the user name filled in); without, it is the reader signing in again as themself.
export async function msalPopup(scopes, loginHint, other) {
  const p = client();
  lastPopup = null;
  let returned = false;
  const signal = !inFrame() && typeof BroadcastChannel === 'function' ? new BroadcastChannel('graphwalk.sign-in') : null;
  if (signal) {
    signal.onmessage = (event) => {
      if (event.data && event.data.type === 'returned') returned = true;
    };
  }
  const hint = loginHint
    ? { loginHint, ...(other ? { prompt: 'login' } : {}) }
    : stored(ASK_ACCOUNT_KEY)
      ? { prompt: 'select_account' }
      : {};
  const signIn = p.acquireTokenPopup({ scopes, overrideInteractionInProgress: true, ...hint });
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
    const r = await Promise.race([signIn, closed]);
    const name = (r.account && r.account.username) || '';
    if (loginHint && !sameName(name, loginHint)) throw await refuse(loginHint, r.account || {});
    if (other) {
      // An account of the same name signed in here before (deleted since and created anew) is not this one.
      for (const stale of p.getAllAccounts()) {
        if (sameName(stale.username, name) && stale.homeAccountId !== r.account.homeAccountId) await p.clearCache({ account: stale });
      }
      noteOther(name);
      store(OTHER_SESSIONS_KEY, '1');
      // The reader signed out while this window was open: their next sign-in must not take this session.
      if (!p.getActiveAccount()) store(ASK_ACCOUNT_KEY, '1');
    } else if (r.account) {
      p.setActiveAccount(r.account);
      store(ASK_ACCOUNT_KEY, '');
    }
    return result(r);
  } finally {
    if (poll) clearInterval(poll);
    if (signal) signal.close();
    // The abandoned bridge wait rejects later; nobody listens to it any more.
    signIn.catch(() => {});
  }
}

// `loginHint`: the reader signing in again (checked when the page comes back, in msalInit).
export async function msalRedirect(scopes, loginHint) {
  store(REDIRECT_FOR_KEY, loginHint || '');
  const hint = loginHint ? { loginHint } : stored(ASK_ACCOUNT_KEY) ? { prompt: 'select_account' } : {};
  await client().acquireTokenRedirect({ scopes, overrideInteractionInProgress: true, ...hint });
}

// Forgets the account in this page, and the other accounts signed in beside it; `popup` also signs out
// at Microsoft in a popup window.
export async function msalSignOut(popup) {
  const p = client();
  const account = p.getActiveAccount() || undefined;
  // Signing out ends the reader's Microsoft session only; another account's may outlive it (even one this
  // page has since forgotten).
  if (others().length || stored(OTHER_SESSIONS_KEY)) store(ASK_ACCOUNT_KEY, '1');
  store(OTHER_SESSIONS_KEY, '');
  store(REDIRECT_FOR_KEY, '');
  let done = false;
  if (popup) {
    try {
      await p.logoutPopup({ account });
      done = true;
    } catch (_) {
      // A blocked or closed popup: still forget the account locally below.
    }
  }
  if (!done) await p.clearCache({ account });
  try {
    sessionStorage.removeItem(OTHERS_KEY);
  } catch (_) {
    // Nothing was kept.
  }
  p.setActiveAccount(null);
  // Every account's tokens, the other accounts' and any a refused sign-in left behind.
  await p.clearCache();
}

// Forgets one other account in this page (its tokens), leaving the reader signed in.
export async function msalForget(username) {
  const p = client();
  const account = p.getAccount({ username });
  const active = p.getActiveAccount();
  // The reader's own account is never forgotten here, even if its name was given.
  if (account && !(active && active.homeAccountId === account.homeAccountId)) await p.clearCache({ account });
  try {
    sessionStorage.setItem(OTHERS_KEY, JSON.stringify(others().filter((u) => !sameName(u, username))));
  } catch (_) {
    // Nothing was kept.
  }
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
