// The header's navigation is a <details> disclosure, which works without
// JavaScript. This adds what it cannot do alone: on wide screens, where the
// navigation is always shown, keep it open for browsers without
// ::details-content; Escape closes the open menu and returns focus to its
// button; a click outside closes it.
(function () {
  var menu = document.querySelector(".nav-disclosure");
  if (!menu) return;
  var wide = window.matchMedia("(min-width: 64rem)");
  function sync() { menu.open = wide.matches; }
  sync();
  if (wide.addEventListener) wide.addEventListener("change", sync);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && menu.open && !wide.matches) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
  document.addEventListener("click", function (event) {
    if (menu.open && !wide.matches && !menu.contains(event.target)) menu.open = false;
  });
})();
