// Hands the sign-in result on this page's address to the graphwalk window that asked for it (MSAL.js 5's
// redirect bridge). Kept out of redirect.html so the page's Content-Security-Policy needs no inline script.
(function () {
  var status = document.getElementById('status');
  if (typeof msalRedirectBridge === 'undefined') {
    status.textContent = 'Sign-in could not finish: the MSAL.js redirect bridge is missing from this site.';
    return;
  }
  msalRedirectBridge.broadcastResponseToMainFrame().catch(function (e) {
    var code = (e && e.errorCode) || 'unknown_error';
    status.textContent = 'Sign-in could not finish (' + code + '). Close this window and try again.';
  });
})();
