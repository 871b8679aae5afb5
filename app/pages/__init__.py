"""The pages: the help center (server-rendered templates), the search page, the agent console
and the content dashboard (static HTML and JavaScript), and the words they show."""
