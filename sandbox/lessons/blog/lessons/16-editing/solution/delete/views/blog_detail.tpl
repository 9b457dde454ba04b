% rebase('layout', title=article.title)
<article>
  <h1>{{article.title}}</h1>
  <p><small>{{article.created_at.strftime('%d %b %Y')}}</small></p>
  % if author:
  <p><a href="/blog/{{article.slug}}/edit">Edit</a> · <a href="/blog/{{article.slug}}/delete">Delete</a></p>
  % end
  % for paragraph in article.content.replace('\r\n', '\n').split('\n\n'):
    % if paragraph.strip():
  <p>{{paragraph.strip()}}</p>
    % end
  % end
</article>
