// ogi-archive, table pages: fold the column help away so the rows are on the first screen,
// and offer the CSV with a byte order mark, which Excel needs to read Chinese.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("dl.column-descriptions").forEach(function (dl) {
    var details = document.createElement("details");
    details.className = "column-help";
    var summary = document.createElement("summary");
    summary.textContent = "列说明 · Column help";
    dl.parentNode.insertBefore(details, dl);
    details.appendChild(summary);
    details.appendChild(dl);
  });
  var csv = document.querySelector('a[href*=".csv?"], a[href$=".csv"]');
  if (csv && !document.querySelector("a.ogi-excel")) {
    var excel = document.createElement("a");
    excel.className = "ogi-excel";
    excel.href = csv.getAttribute("href") + (csv.getAttribute("href").indexOf("?") < 0 ? "?" : "&")
      + "_dl=1&_bom=1";
    excel.textContent = "CSV（Excel）";
    csv.parentNode.insertBefore(excel, csv.nextSibling);
  }
});
