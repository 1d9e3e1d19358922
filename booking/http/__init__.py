"""The HTTP plumbing the JSON API (``booking/api``) and the pages (``booking/web``) share: the request
context, problem details, staff tokens, query parameters, and ``app``, which assembles both into one
Litestar application. The two siblings import from here, never from each other."""
