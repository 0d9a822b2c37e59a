// Started after every view file has registered its view (a later view adds its own script
// before this one in index.html).
"use strict";
Dashboard.start();
