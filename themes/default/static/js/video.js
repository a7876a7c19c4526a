// Click-to-load video embeds (the `video` shortcode). Until a visitor
// presses play, the page makes no request to YouTube: the link shows a
// plain placeholder. Pressing it swaps in the privacy-enhanced player
// (youtube-nocookie.com); without JavaScript the link opens the video on
// YouTube itself.
(function () {
  if (window.knotworkVideo) return;
  window.knotworkVideo = true;
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".video-play");
    if (!link) return;
    var figure = link.closest(".video");
    var id = figure && figure.getAttribute("data-youtube");
    if (!id || !/^[A-Za-z0-9_-]+$/.test(id)) return;
    event.preventDefault();
    var start = parseInt(figure.getAttribute("data-start") || "0", 10);
    var frame = document.createElement("iframe");
    frame.src = "https://www.youtube-nocookie.com/embed/" + id + "?autoplay=1" + (start > 0 ? "&start=" + start : "");
    frame.title = link.getAttribute("data-video-title") || "Video";
    frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
    frame.setAttribute("allowfullscreen", "");
    link.parentNode.replaceChild(frame, link);
    frame.focus();
  });
})();
