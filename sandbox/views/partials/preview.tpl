<section class="preview" id="preview" aria-label="Your app, live" data-open-url="{{url('open_preview', **here)}}" data-check-url="{{url('check', **here)}}" data-status-url="{{url('preview_status')}}" data-restart-url="{{url('restart_preview')}}" data-folder-url="{{url('open_folder')}}">
  <div class="preview-bar">
    <button type="button" class="button" data-preview="back" title="Back" aria-label="Back">←</button>
    <button type="button" class="button" data-preview="reload" title="Reload the page" aria-label="Reload">⟳</button>
    <form class="preview-address" data-preview="go">
      <label class="visually-hidden" for="preview-path">Address in your app</label>
      <span class="preview-origin muted small" id="preview-origin"></span>
      <input id="preview-path" name="path" value="/" autocomplete="off" spellcheck="false">
    </form>
    <button type="button" class="button" data-preview="external" title="Open in your browser">Open in browser</button>
  </div>
  <p class="preview-status muted small" id="preview-status" aria-live="polite">Starting your app…</p>
  <div class="notice error preview-error" id="preview-error" role="alert" hidden>
    <strong id="preview-error-title">Your app could not start.</strong>
    <span id="preview-error-where"></span>
    <pre id="preview-error-message"></pre>
  </div>
  % # Under JupyterHub the app is proxied on the sandbox's own origin: without same-origin rights it is an opaque origin.
  <iframe id="preview-frame" title="Your app" sandbox="allow-scripts allow-forms{{'' if get('classroom') else ' allow-same-origin'}} allow-popups" referrerpolicy="no-referrer"></iframe>
  <div class="actions small">
    <label><input type="checkbox" id="preview-watch"> Check on every save</label>
    <button type="button" class="button" data-preview="restart">Restart app</button>
    % if not get('classroom'):  # the folder is on the server under JupyterHub, with no file manager to show it
    <button type="button" class="button" data-preview="folder">Open folder</button>
    <span class="muted small" id="preview-folder-note" aria-live="polite"></span>
    % end
    <a class="button" href="{{url('inspector', back=url('step', **here))}}">Requests</a>
    <a class="button" href="{{url('database', back=url('step', **here))}}">Database</a>
  </div>
  <details class="preview-console" open>
    <summary>Console <span class="muted small">(what your app prints)</span></summary>
    <pre id="preview-console" aria-live="off"></pre>
  </details>
</section>
