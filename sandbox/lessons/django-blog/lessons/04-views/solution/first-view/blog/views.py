from django.http import HttpResponse


def home(request):
    return HttpResponse("<h1>My blog</h1><p>Posts are on their way.</p>")
