<!doctype html>
<html lang="en" data-theme="{{learner['theme']}}" data-font-size="{{learner['font_size']}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="{{csrf}}">
<meta name="htmx-config" content='{"includeIndicatorStyles": false, "allowEval": false, "allowScriptTags": false, "responseHandling": [{"code": "204", "swap": false}, {"code": "[23]..", "swap": true}, {"code": "[45]..", "swap": true, "error": true}]}'>
<title>{{title}} · {{product}}</title>
<link rel="stylesheet" href="{{url('static', path='css/app.css')}}">
<link rel="stylesheet" href="{{url('highlight_css')}}">
<link rel="icon" href="{{url('static', path='favicon.svg')}}" type="image/svg+xml">
% if bundle:
<script src="{{url('static', path='build/htmx.js')}}" defer></script>
<script src="{{url('static', path='build/editor.js')}}" defer></script>
<script src="{{url('static', path='build/terminal.js')}}" defer></script>
<link rel="stylesheet" href="{{url('static', path='build/terminal.css')}}">
% end
<script src="{{url('static', path='js/app.js')}}" defer></script>
<script src="{{url('static', path='js/preview.js')}}" defer></script>
<script src="{{url('static', path='js/workbench.js')}}" defer></script>
</head>
<body class="font-{{learner['font_size']}}" data-open-external-url="{{'' if get('classroom') else url('open_external')}}">
% if get('skip_to_editor'):
<p class="skip-links"><a class="skip-link" href="#editor-area">Skip to the editor</a> <a class="skip-link" href="#check-button">Skip to Check</a></p>
% end
<header class="topbar">
  <a class="brand" href="{{url('home')}}">{{product}}</a>
  <nav aria-label="Main">
    % for key, label in [("home", "Home"), ("packs", "Packs"), ("progress", "Progress"), ("instructor", "Instructor"), ("settings", "Settings"), ("about", "About")]:
    <a href="{{url(key)}}" {{!'aria-current="page"' if active == key else ''}}>{{label}}</a>
    % end
  </nav>
  % if get('classroom'):
  <span class="who" title="Signed in through your class's Hub">{{learner['name']}}</span>
  % else:
  <a class="who" href="{{url('profiles')}}" title="Learner profile: switch or manage profiles" {{!'aria-current="page"' if active == "profiles" else ''}}>{{learner['name']}}</a>
  % end
</header>
<p id="editor-fallback-note" class="notice" hidden>The rich code editor is not available (its bundle was not built), so a plain text box is used instead. Everything else works.</p>
<main id="main" class="{{'wide' if get('wide') else ''}}">
{{!base}}
</main>
</body>
</html>
