// Hands the sign-in result on this page's address to the graphwalk window that asked for it (MSAL.js 5's
// redirect bridge). Kept out of redirect.html so the page's Content-Security-Policy needs no inline script.
(function () {
  var status = document.getElementById('status');
  if (typeof msalRedirectBridge === 'undefined') {
    status.textContent = 'Sign-in could not finish: the MSAL.js redirect bridge is missing from this site.';
    return;
  }
  // Tells a graphwalk window of this site that the sign-in window came back (so it does not take the window
  // closing by itself for the user closing it). Nothing secret: no part of the answer is sent.
  if (/[#?&](code|error)=/.test(location.href) && typeof BroadcastChannel === 'function') {
    var signal = new BroadcastChannel('graphwalk.sign-in');
    signal.postMessage({ type: 'returned' });
    signal.close();
  }
  msalRedirectBridge.broadcastResponseToMainFrame().catch(function (e) {
    var code = (e && e.errorCode) || 'unknown_error';
    status.textContent = 'Sign-in could not finish (' + code + '). Close this window and try again.';
  });
})();
