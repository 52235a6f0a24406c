/* Linli admin: draw ECharts from data attributes; keep the chat window scrolled to the newest message. */
(function () {
  function drawCharts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var option;
      try { option = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
      var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el);
      chart.setOption(option, true);
    });
  }
  function scrollChats(root) {
    root.querySelectorAll(".phone-body").forEach(function (el) { el.scrollTop = el.scrollHeight; });
  }
  function ready(root) { drawCharts(root); scrollChats(root); }
  document.addEventListener("DOMContentLoaded", function () {
    ready(document);
    window.addEventListener("resize", function () {
      if (!window.echarts) { return; }
      document.querySelectorAll("[data-chart]").forEach(function (el) {
        var chart = window.echarts.getInstanceByDom(el);
        if (chart) { chart.resize(); }
      });
    });
  });
  document.addEventListener("htmx:afterSettle", function (evt) { drawCharts(evt.target); scrollChats(document); });
  document.addEventListener("htmx:oobAfterSwap", function () { scrollChats(document); });
  document.addEventListener("change", function (evt) {
    var el = evt.target;
    if (el && el.matches && el.matches("[data-select-all]")) {
      document.querySelectorAll(el.getAttribute("data-select-all")).forEach(function (box) { box.checked = el.checked; });
    }
  });
})();
