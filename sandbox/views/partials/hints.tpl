% if hints:
<ol class="hints">
  % for h in hints:
  <li>{{h}}</li>
  % end
</ol>
% end
% if len(hints) < hint_count:
<form method="post" action="{{url('hint', **here)}}" hx-post="{{url('hint', **here)}}" hx-target="#hints" hx-swap="innerHTML">
  <input type="hidden" name="csrf_token" value="{{get('csrf', '')}}">
  <button class="button" type="submit">{{'Show a hint' if not hints else 'Show another hint'}} ({{len(hints)}}/{{hint_count}})</button>
</form>
% else:
<p class="muted small">That is every hint for this step.</p>
% end
