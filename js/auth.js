// graphwalk's calls into MSAL.js (the global `msal` from msal-browser.min.js, which the app loads only in
// live mode). Kept tiny: the decisions (silent first, when to prompt, popup or redirect) are made in Rust.
let pca = null;

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
  pca = new msal.PublicClientApplication({
    auth: { clientId, authority, redirectUri, postLogoutRedirectUri: redirectUri },
    cache: { cacheLocation: 'sessionStorage' },
    system: { allowRedirectInIframe: false },
  });
  await pca.initialize();
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

export async function msalPopup(scopes) {
  return result(await client().acquireTokenPopup({ scopes }));
}

export async function msalRedirect(scopes) {
  await client().acquireTokenRedirect({ scopes });
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
