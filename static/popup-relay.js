// The popup relay of MSAL.js 5 (protocol 2): on a click, opens Microsoft's sign-in in a window of its own and
// passes the answer back to the graphwalk frame that opened this page. Kept out of popup-relay.html so its
// Content-Security-Policy needs no inline script.
(function () {
  var status = document.getElementById('status');
  var button = document.getElementById('continue');
  if (typeof msalPopupRelay === 'undefined') {
    status.textContent = 'Sign-in cannot start: the MSAL.js popup relay is missing from this site.';
    button.disabled = true;
    return;
  }
  // Only Microsoft's sign-in hosts (global and national clouds) may be opened from here.
  var allowed = [
    'https://login.microsoftonline.com',
    'https://login.microsoftonline.us',
    'https://login.partner.microsoftonline.cn',
  ];
  button.addEventListener('click', function () {
    button.disabled = true;
    status.textContent = 'Signing in… Finish in the sign-in window; this one closes by itself.';
    try {
      msalPopupRelay.runPopupRelay({ protocolVersion: 2, allowedAuthorityOrigins: allowed });
    } catch (e) {
      var code = (e && e.errorCode) || 'unknown_error';
      status.textContent = 'Sign-in could not start (' + code + '). Close this window and try again.';
    }
  });
  // The button comes disabled in the page, so a click before this script has run is never lost.
  button.disabled = false;
  button.focus();
})();
