<div class="timeline" id="inspector-timeline">
  <h2><code>{{chosen.method}} {{chosen.url}}</code> → {{chosen.status or 'no answer'}}</h2>
  <p class="muted small">{{'%.1f' % chosen.duration_ms}} ms in total; {{len(chosen.queries)}} SQL {{'query' if len(chosen.queries) == 1 else 'queries'}} took {{'%.1f' % chosen.sql_ms}} ms; template: {{chosen.template or 'none'}}.</p>
  <ol class="timeline-rows">
  % for bar in bars:
    <li class="timeline-row {{bar['kind']}}">
      <div class="timeline-track"><span class="timeline-bar" style="margin-left: {{bar['left']}}%; width: {{bar['width']}}%"></span></div>
      <div class="timeline-label">
        <span class="kind">{{ {'request': 'Request', 'template': 'Template', 'sql': 'SQL'}[bar['kind']] }}</span>
        <span class="muted small">at {{'%.1f' % bar['at_ms']}} ms, {{'%.2f' % bar['ms']}} ms</span>
        % if bar['kind'] == 'sql':
        <pre class="sql">{{bar['label']}}</pre>
        % if bar['params']:
        <p class="small">Parameters: <code>{{', '.join(repr(p) for p in bar['params'])}}</code></p>
        % end
        % if bar.get('error'):
        <p class="small error">Error: {{bar['error']}}</p>
        % end
        % else:
        <code>{{bar['label']}}</code>
        % end
      </div>
    </li>
  % end
  </ol>
</div>
