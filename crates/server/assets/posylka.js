// Posylka's only script. Every page works without it; it adds two conveniences.
"use strict";

// Copy buttons: shown only when this script runs (without it the draft's text box is there to
// select by hand). A button names the text box to copy in data-copy and announces the result
// in the live region whose id is that name followed by "-status".
for (const button of document.querySelectorAll("button[data-copy]")) {
  button.hidden = false;
  button.addEventListener("click", async () => {
    const box = document.getElementById(button.dataset.copy);
    const status = document.getElementById(button.dataset.copy + "-status");
    if (!box) return;
    let copied = false;
    try {
      await navigator.clipboard.writeText(box.value);
      copied = true;
    } catch {
      // No clipboard API (a plain-http address other than localhost): select and copy.
      box.focus();
      box.select();
      copied = document.execCommand("copy");
    }
    if (status) status.textContent = copied ? button.dataset.done : button.dataset.failed;
  });
}

// The login form sends the browser's time zone, so that times show as the user lives them.
const zone = document.querySelector("input[name=tz]");
if (zone) {
  try {
    zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    zone.value = "";
  }
}
