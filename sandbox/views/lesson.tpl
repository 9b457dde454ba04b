% code_step = step['kind'] == 'code' and state != 'locked' and not start_choice
% rebase('layout', title=step['title'] + ' · ' + lesson['title'], wide=True, skip_to_editor=code_step)
<div class="lesson {{'with-work' if code_step else 'reading'}}" data-visit-url="{{url('visit', **here)}}">
  <nav class="outline" aria-label="Lesson outline">
    <details class="outline-menu" open>
      <summary><span class="muted small">{{pack['title']}}</span> · Outline</summary>
      <p class="muted small"><a href="{{url('home')}}">All courses</a></p>
      % include('partials/outline', outline=outline, here_lesson=lesson['id'], here_step=step['id'], pack_id=pack['id'])
    </details>
  </nav>

  <section class="instructions" aria-labelledby="step-title">
    <p class="muted">{{lesson['title']}}</p>
    <h1 id="step-title">{{step['title']}}</h1>
    % if state == 'locked':
    <p class="notice">This step unlocks when the steps before it are done. Pick the first open step in the outline.</p>
    % end
    % if get('libraries'):
    <p class="notice" role="status" id="libraries-notice">{{libraries}}</p>
    % end
    <div class="prose">{{!instructions}}</div>

    % if step['kind'] == 'quiz' and state != 'locked':
    <form method="post" action="{{url('quiz', **here)}}" class="quiz" id="quiz-form" hx-post="{{url('quiz', **here)}}" hx-target="#result" hx-swap="innerHTML">
      <input type="hidden" name="csrf_token" value="{{csrf}}">
      <fieldset>
        <legend>{{step['question']}}</legend>
        % for i, choice in enumerate(step['choices']):
        <label class="choice"><input type="{{'checkbox' if step['multiple'] else 'radio'}}" name="choice" value="{{i}}"> {{choice}}</label>
        % end
      </fieldset>
      <div class="actions">
        <button class="button primary" type="submit" id="check-button">Check my answer</button>
      </div>
    </form>
    <div id="result" class="result-slot" aria-live="polite">
      % if result:
      % include('partials/result', result=result, outline=None)
      % end
    </div>
    % elif step['kind'] == 'read' and state != 'locked':
    <form method="post" action="{{url('read', **here)}}">
      <input type="hidden" name="csrf_token" value="{{csrf}}">
      <button class="button primary" type="submit">I have read this: continue</button>
    </form>
    % end

    % if step['hint_count'] and state != 'locked':
    <div id="hints">
      % include('partials/hints', hints=hints, hint_count=step['hint_count'])
    </div>
    % end
    % if step['kind'] == 'code' and pack['show_solutions'] and state != 'locked':
    <div id="solution">
      <form method="post" action="{{url('solution', **here)}}" hx-post="{{url('solution', **here)}}" hx-target="#solution" hx-swap="innerHTML">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <button class="button" type="submit" data-confirm="See the reference solution? Trying a hint first often teaches more.">Show the solution</button>
      </form>
    </div>
    % end
    % if state == 'passed' and next_url:
    <p><a class="button" href="{{next_url}}">Next step →</a></p>
    % end
  </section>

  % if step['kind'] == 'code' and start_choice:
  <section class="work" aria-label="Start the lesson">
    <div class="card">
      <h2>How do you want to start this lesson?</h2>
      <p class="muted">Carry on with your own code from the lesson before (any new files this lesson needs are added), or start from the files this lesson provides.</p>
      <form method="post" action="{{url('start', **here)}}" class="actions">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <button class="button primary" name="mode" value="carry">Carry on with my own code</button>
        <button class="button" name="mode" value="starter">Start from the lesson's files</button>
      </form>
    </div>
  </section>
  % elif code_step:
  <section class="work" id="workbench" aria-label="Your code and results"
           data-events-url="{{url('events', **here)}}" data-file-url="{{url('open_file', **here)}}"
           data-create-url="{{url('create_file', **here)}}" data-rename-url="{{url('rename_file', **here)}}"
           data-delete-url="{{url('delete_file', **here)}}" data-convert-url="{{url('convert_file', **here)}}"
           data-history-url="{{url('history', **here)}}"
           data-app-file="{{app_file}}">
    <div class="workbench">
      <aside class="files" aria-label="Files">
        <div class="files-bar">
          <h2 class="files-title">Files</h2>
          <button type="button" class="button small" data-files="new-file" title="Create a file; a name like views/layout.tpl also makes its folder">New file</button>
          <button type="button" class="button small" data-files="new-folder">New folder</button>
        </div>
        <form class="files-form" id="files-form" hidden>
          <label for="files-name" id="files-form-label">New file name</label>
          <input id="files-name" name="path" autocomplete="off" spellcheck="false" placeholder="views/layout.tpl">
          <div class="actions">
            <button type="submit" class="button primary small" id="files-submit">Create</button>
            <button type="button" class="button small" data-files="cancel">Cancel</button>
          </div>
          <p class="field-error" id="files-error" role="alert" hidden></p>
        </form>
        <ul class="files-tree" id="files-tree">
          % for f in files:
          <li class="files-entry file" data-path="{{f['path']}}"><button type="button" class="files-open" data-files="open" data-path="{{f['path']}}">{{f['path']}}</button></li>
          % end
        </ul>
        <p class="muted small files-where">In <code>{{workspace_path}}</code></p>
      </aside>

      <div class="editor-area" id="editor-area" tabindex="-1">
        <form id="editor-form" class="editor-form" method="post" action="{{url('check', **here)}}" data-autosave-url="{{url('save', **here)}}">
          <input type="hidden" name="csrf_token" value="{{csrf}}">
          <div class="editor-tabs" role="tablist" aria-label="Open files" id="editor-tabs">
            % for i, f in enumerate(files):
            <button type="button" role="tab" id="tab-{{i}}" aria-controls="pane-{{i}}" data-tab-target="pane-{{i}}" data-path="{{f['path']}}" aria-selected="{{'true' if i == 0 else 'false'}}" tabindex="{{'0' if i == 0 else '-1'}}">{{f['path']}}</button>
            % end
          </div>
          <div class="editor-panes" id="editor-panes">
            % for i, f in enumerate(files):
            <div class="editor-pane" id="pane-{{i}}" role="tabpanel" aria-labelledby="tab-{{i}}" data-path="{{f['path']}}" {{!'' if i == 0 else 'hidden'}}>
              <textarea class="code-editor" name="file:{{f['path']}}" data-path="{{f['path']}}" data-language="{{f['language']}}" aria-label="{{f['path']}}" spellcheck="false">{{f['content']}}</textarea>
              <input type="hidden" name="version:{{f['path']}}" value="{{f['version']}}" data-version-for="{{f['path']}}">
            </div>
            % end
          </div>
          <p class="muted small editor-help">Ctrl+S saves (it also saves by itself), Ctrl+Enter checks. To leave the editor with the keyboard, press Escape, then Tab.</p>
          <div class="conflict" id="conflict" hidden></div>
          <div class="actions check-row">
            <button class="button primary" id="check-button" type="submit" hx-post="{{url('check', **here)}}" hx-include="#editor-form" hx-target="#result" hx-swap="innerHTML" hx-indicator="#checking">Check <kbd>Ctrl+Enter</kbd></button>
            <span id="checking" class="htmx-indicator muted">Checking…</span>
            <span class="save-status muted" aria-live="polite"></span>
          </div>
        </form>
        <div id="result" class="result-slot" aria-live="polite">
          % if result:
          % include('partials/result', result=result, outline=None)
          % end
        </div>
        <div class="actions small">
          <a class="button small" href="{{url('history', path=app_file, **here)}}" hx-get="{{url('history', path=app_file, **here)}}" hx-target="#history" hx-swap="innerHTML" id="history-link">History of the open file</a>
          <form method="post" action="{{url('reset', **here)}}" class="row-form">
            <input type="hidden" name="csrf_token" value="{{csrf}}">
            <button class="button small danger" type="submit" data-confirm="Put this step's files back to how the step started? Your current version stays in the history.">Reset this step</button>
          </form>
        </div>
        <div id="history"></div>
      </div>
    </div>

    <div class="tools">
      <div class="tool-tabs" role="tablist" aria-label="Tools">
        <button type="button" role="tab" id="tool-tab-preview" aria-controls="tool-preview" aria-selected="true" tabindex="0" data-tool="preview">Your app</button>
        <button type="button" role="tab" id="tool-tab-terminal" aria-controls="tool-terminal" aria-selected="false" tabindex="-1" data-tool="terminal">Terminal</button>
        <button type="button" role="tab" id="tool-tab-python" aria-controls="tool-python" aria-selected="false" tabindex="-1" data-tool="python">Python shell</button>
      </div>
      <div class="tool-panel" id="tool-preview" role="tabpanel" aria-labelledby="tool-tab-preview">
        % include('partials/preview')
      </div>
      <div class="tool-panel" id="tool-terminal" role="tabpanel" aria-labelledby="tool-tab-terminal" hidden>
        % include('partials/terminal', kind='shell')
      </div>
      <div class="tool-panel" id="tool-python" role="tabpanel" aria-labelledby="tool-tab-python" hidden>
        % include('partials/terminal', kind='python')
      </div>
    </div>
  </section>
  % end
</div>
