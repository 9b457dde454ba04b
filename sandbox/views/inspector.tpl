% rebase('layout', title='Requests to your app', wide=True)
<div class="inspector">
  % if back:
  <p><a href="{{back}}">← Back to the step</a></p>
  % end
  <h1>Requests to your app</h1>
  <p class="muted">Every request your browser made to your app in the preview: what answered it, which template
  it rendered and each SQL query it ran. The last 200 are kept; new ones appear by themselves.
  % if status:
  Your app is at <code>{{status.url}}</code>.
  % else:
  Open a lesson with a web app to start it.
  % end
  <a href="{{url('database', back=back) if back else url('database')}}">Look at its database</a>.</p>
  <div class="inspector-panes">
    <div id="inspector-requests" data-poll-url="{{url('inspector_requests')}}">
      % include('partials/preview_requests', requests=requests, chosen_id=chosen.id if chosen else None)
    </div>
    <div>
      % if chosen:
      % include('partials/preview_timeline', chosen=chosen, bars=bars)
      % else:
      <p class="empty">Choose a request to see its timeline.</p>
      % end
    </div>
  </div>
</div>
