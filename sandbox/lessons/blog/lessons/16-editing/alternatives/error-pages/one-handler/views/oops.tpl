% rebase('layout', title=heading)
<section class="oops">
  <h1>{{heading}}</h1>
  <p>{{text}}</p>
</section>
