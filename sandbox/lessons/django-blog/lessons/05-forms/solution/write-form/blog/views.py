from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify

from .forms import PostForm
from .models import Post


def home(request):
    posts = Post.objects.filter(published=True).order_by("-created_at")
    return render(request, "blog/home.html", {"posts": posts})


def post_detail(request, slug):
    post = get_object_or_404(Post, slug=slug, published=True)
    return render(request, "blog/post_detail.html", {"post": post})


def write(request):
    if request.method == "POST":
        form = PostForm(request.POST)
        if form.is_valid():
            post = form.save(commit=False)
            post.slug = slugify(post.title)
            post.save()
            return redirect("home")
    else:
        form = PostForm()
    return render(request, "blog/write.html", {"form": form})
