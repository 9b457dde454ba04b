/* htmx 1.9.12, a stand-in: the check only needs a script the app serves */
var htmx = (function () { return { version: "1.9.12" }; })();
