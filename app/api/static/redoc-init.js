// Starts ReDoc on /redoc from a served file (no inline script under the page's CSP).
"use strict";
(function () {
  // ReDoc 2.5 always renders Redocly's logo from Redocly's CDN beside "API docs by Redocly".
  // This page loads nothing from elsewhere (the CSP would block it and log a violation), so
  // that one image source is dropped before it is set; site.css hides the empty image.
  var REMOTE_LOGO = "https://cdn.redoc.ly/";
  var remote = function (img, name, value) {
    return img instanceof HTMLImageElement && name === "src" &&
      String(value).indexOf(REMOTE_LOGO) === 0;
  };
  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (!remote(this, name, value)) setAttribute.call(this, name, value);
  };
  var src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get: src.get,
    set: function (value) {
      if (!remote(this, "src", value)) src.set.call(this, value);
    },
  });
  var root = document.getElementById("redoc");
  Redoc.init(root.dataset.specUrl, {}, root);
})();
