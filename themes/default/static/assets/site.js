/* zaitaku default theme: the text-size switch (標準・大きく・特大) and the print button.
   Everything here is an enhancement; every page works without it. */
(function () {
  "use strict";
  var KEY = "zaitaku-text-size";
  var SIZES = ["normal", "large", "xlarge"];
  var html = document.documentElement;

  function stored() {
    try {
      return localStorage.getItem(KEY);
    } catch (e) {
      return null;
    }
  }
  function store(value) {
    try {
      localStorage.setItem(KEY, value);
    } catch (e) {
      /* private mode: the choice lasts for this page only */
    }
  }

  function setUp() {
    var box = document.querySelector("[data-text-size]");
    if (box) {
      var buttons = box.querySelectorAll("button[data-size]");
      var apply = function (size) {
        if (SIZES.indexOf(size) < 0) size = "normal";
        if (size === "normal") html.removeAttribute("data-text-size");
        else html.setAttribute("data-text-size", size);
        for (var i = 0; i < buttons.length; i++) {
          buttons[i].setAttribute("aria-pressed", buttons[i].getAttribute("data-size") === size ? "true" : "false");
        }
      };
      apply(stored());
      for (var i = 0; i < buttons.length; i++) {
        buttons[i].addEventListener("click", function (event) {
          var size = event.currentTarget.getAttribute("data-size");
          apply(size);
          store(size);
        });
      }
      box.hidden = false;
    }
    var printButtons = document.querySelectorAll("[data-print]");
    for (var j = 0; j < printButtons.length; j++) {
      printButtons[j].hidden = false;
      printButtons[j].addEventListener("click", function () {
        window.print();
      });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
