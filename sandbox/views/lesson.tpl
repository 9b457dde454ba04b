% rebase('layout', title=step['title'] + ' · ' + lesson['title'], wide=True)
<div class="lesson">
  <nav class="outline" aria-label="Lesson outline">
    <p class="muted"><a href="{{url('home')}}">{{pack['title']}}</a></p>
    % include('partials/outline', outline=outline, here_lesson=lesson['id'], here_step=step['id'], pack_id=pack['id'])
  </nav>

  <section class="instructions" aria-labelledby="step-title">
    <p class="muted">{{lesson['title']}}</p>
    <h1 id="step-title">{{step['title']}}</h1>
    % if state == 'locked':
    <p class="notice">This step unlocks when the steps before it are done. Pick the first open step in the outline.</p>
    % end
    <div class="prose">{{!instructions}}</div>

    % if step['kind'] == 'quiz' and state != 'locked':
    <form method="post" action="{{url('quiz', **here)}}" class="quiz" hx-post="{{url('quiz', **here)}}" hx-target="#result" hx-swap="innerHTML">
      <input type="hidden" name="csrf_token" value="{{csrf}}">
      <fieldset>
        <legend>{{step['question']}}</legend>
        % for i, choice in enumerate(step['choices']):
        <label class="choice"><input type="{{'checkbox' if step['multiple'] else 'radio'}}" name="choice" value="{{i}}"> {{choice}}</label>
        % end
      </fieldset>
      <button class="button primary" type="submit" id="check-button">Check my answer</button>
    </form>
    % elif step['kind'] == 'read' and state != 'locked':
    <form method="post" action="{{url('read', **here)}}">
      <input type="hidden" name="csrf_token" value="{{csrf}}">
      <button class="button primary" type="submit">I have read this: continue</button>
    </form>
    % end

    % if step['hint_count']:
    <div id="hints">
      % include('partials/hints', hints=hints, hint_count=step['hint_count'])
    </div>
    % end
    % if step['kind'] == 'code' and pack['show_solutions']:
    <div id="solution">
      <form method="post" action="{{url('solution', **here)}}" hx-post="{{url('solution', **here)}}" hx-target="#solution" hx-swap="innerHTML">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <button class="button" type="submit" data-confirm="See the reference solution? Trying a hint first often teaches more.">Show the solution</button>
      </form>
    </div>
    % end
  </section>

  <section class="work" aria-label="Your code and results">
    % if step['kind'] == 'code' and start_choice:
    <div class="card">
      <h2>How do you want to start this lesson?</h2>
      <form method="post" action="{{url('start', **here)}}" class="actions">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <button class="button primary" name="mode" value="carry">Carry on with my own code</button>
        <button class="button" name="mode" value="starter">Start from the lesson's files</button>
      </form>
    </div>
    % elif step['kind'] == 'code':
    <form id="editor-form" class="editor-form" method="post" action="{{url('check', **here)}}" data-autosave-url="{{url('save', **here)}}">
      <input type="hidden" name="csrf_token" value="{{csrf}}">
      <div class="editor-tabs" role="tablist">
        % for i, f in enumerate(files):
        <button type="button" role="tab" data-tab-target="pane-{{i}}" aria-selected="{{'true' if i == 0 else 'false'}}">{{f['path']}}</button>
        % end
      </div>
      % for i, f in enumerate(files):
      <div class="editor-pane" id="pane-{{i}}" {{!'' if i == 0 else 'hidden'}}>
        <textarea class="code-editor" name="file:{{f['path']}}" data-path="{{f['path']}}" data-language="{{f['language']}}" aria-label="{{f['path']}}" spellcheck="false">{{f['content']}}</textarea>
        <p class="muted small"><a href="{{url('history', path=f['path'], **here)}}" hx-get="{{url('history', path=f['path'], **here)}}" hx-target="#history" hx-swap="innerHTML">History of {{f['path']}}</a></p>
      </div>
      % end
      <div class="actions">
        <button class="button primary" id="check-button" type="submit" hx-post="{{url('check', **here)}}" hx-include="#editor-form" hx-target="#result" hx-swap="innerHTML" hx-indicator="#checking">Check <kbd>Ctrl+Enter</kbd></button>
        <span id="checking" class="htmx-indicator muted">Checking…</span>
        <span class="save-status muted" aria-live="polite"></span>
      </div>
    </form>
    <form method="post" action="{{url('reset', **here)}}" class="actions">
      <input type="hidden" name="csrf_token" value="{{csrf}}">
      <button class="button danger" type="submit" data-confirm="Put this step's files back to how the step started? Your current version stays in the history.">Reset this step</button>
      <span class="muted small">Files are in <code>{{workspace_path}}</code></span>
    </form>
    <div id="history"></div>
    % include('partials/preview')
    % end
    <div id="result" aria-live="polite">
      % if result:
      % include('partials/result', result=result, outline=None)
      % end
    </div>
    % if state == 'passed' and next_url:
    <p><a class="button" href="{{next_url}}">Next step →</a></p>
    % end
  </section>
</div>
