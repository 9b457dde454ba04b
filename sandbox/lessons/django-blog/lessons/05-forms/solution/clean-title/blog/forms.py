from django import forms
from django.utils.text import slugify

from .models import Post


class PostForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["title", "body", "published"]

    def clean_title(self):
        title = self.cleaned_data["title"]
        if not slugify(title):
            raise forms.ValidationError("The title needs at least one letter or digit.")
        return title
