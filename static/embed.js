/*
 * graphwalk embed: turns placeholders into graphwalk iframes and keeps each iframe as tall as its content.
 *
 *   <div data-graphwalk data-tutorial="access-package-v1" data-step="3" data-mode="sandbox"></div>
 *   <script src="https://YOUR-HOST/graphwalk/embed.js" defer></script>
 *
 * The app posts {type: "graphwalk:height", height} to this page's origin only (it is told the origin in the
 * iframe's address); messages from any other origin are ignored here.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  var base = new URL('./', script ? script.src : location.href);
  var appOrigin = base.origin;
  var frames = [];

  function embed(placeholder) {
    if (placeholder.getAttribute('data-graphwalk-ready')) return;
    var params = new URLSearchParams();
    params.set('embed', '1');
    params.set('origin', location.origin);
    ['tutorial', 'step', 'mode'].forEach(function (name) {
      var value = placeholder.getAttribute('data-' + name);
      if (value) params.set(name, value);
    });
    var frame = document.createElement('iframe');
    frame.src = base.href + '?' + params.toString();
    frame.title = placeholder.getAttribute('data-title') || 'graphwalk: run this Microsoft Graph tutorial';
    frame.loading = 'lazy';
    frame.style.width = '100%';
    frame.style.border = '0';
    frame.style.height = (placeholder.getAttribute('data-height') || '600') + 'px';
    frame.setAttribute('allow', 'clipboard-write');
    placeholder.setAttribute('data-graphwalk-ready', '1');
    placeholder.appendChild(frame);
    frames.push(frame);
  }

  window.addEventListener('message', function (event) {
    if (event.origin !== appOrigin) return;
    var data = event.data;
    if (!data || data.type !== 'graphwalk:height' || typeof data.height !== 'number') return;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.height = Math.max(200, Math.min(data.height, 20000)) + 'px';
      }
    }
  });

  function start() {
    var placeholders = document.querySelectorAll('[data-graphwalk]');
    for (var i = 0; i < placeholders.length; i++) embed(placeholders[i]);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
  window.graphwalkEmbed = { refresh: start };
})();
