<section class="solution" aria-labelledby="solution-title">
<h3 id="solution-title">Reference solution</h3>
<p class="muted small">Compare it with your code; any solution that passes the checks is right. Using a file keeps yours in its History.</p>
% for i, f in enumerate(solution):
<div class="solution-file" data-solution-file data-path="{{f['path']}}" data-language="{{f['language']}}">
  <p><code>{{f['path']}}</code></p>
  <div class="compare-host" data-compare-host></div>
  <div class="compare-plain" data-compare-plain>
    <div><p class="compare-label">Your file</p><pre data-mine>{{f['mine'] or '(you do not have this file yet)'}}</pre></div>
    <div><p class="compare-label">Reference solution</p><pre data-solution>{{f['content']}}</pre></div>
  </div>
  <div class="actions small">
    <button type="button" class="button small" data-copy>Copy the solution's text</button>
    <form method="post" action="{{url('use_solution', **here)}}" class="row-form" hx-post="{{url('use_solution', **here)}}" hx-target="#solution-note-{{i}}" hx-swap="innerHTML">
      <input type="hidden" name="csrf_token" value="{{csrf}}"><input type="hidden" name="path" value="{{f['path']}}">
      <button class="button small" type="submit" data-confirm="Replace your {{f['path']}} with the solution's? Yours stays in its History.">Use this file</button>
    </form>
    <span class="muted small" id="solution-note-{{i}}" aria-live="polite"></span>
  </div>
</div>
% end
</section>
