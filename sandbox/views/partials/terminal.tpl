<div class="terminal-panel" data-kind="{{kind}}" data-open-url="{{url('open_terminal', **here)}}"
     data-input-url="{{url('terminal_input', terminal_id='TERMINAL')}}" data-resize-url="{{url('terminal_resize', terminal_id='TERMINAL')}}"
     data-close-url="{{url('close_terminal', terminal_id='TERMINAL')}}">
  <p class="muted small terminal-status" aria-live="polite">
    % if kind == 'python':
    Python, started in your lesson folder, so your own files import: try <code>from models import Article</code>.
    % else:
    A terminal in your lesson folder: try <code>python app.py</code>, <code>python -m pytest</code> or <code>pip freeze</code>.
    % end
  </p>
  <div class="terminal-host" data-terminal-host></div>
  <pre class="terminal-plain" data-terminal-plain hidden></pre>
  <form class="terminal-line" data-terminal-line hidden><label class="visually-hidden" for="terminal-line-{{kind}}">Type a command</label><input id="terminal-line-{{kind}}" autocomplete="off" spellcheck="false"><button class="button small" type="submit">Send</button></form>
  <div class="actions small">
    <button type="button" class="button small" data-terminal="restart">{{'Restart Python' if kind == 'python' else 'New terminal'}}</button>
  </div>
</div>
