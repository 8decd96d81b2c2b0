"""The server side: gitreg's own hooks in a shared bare repository.

`gitreg server install REPO` writes `hooks/pre-receive` and `hooks/post-receive`, each a small
script that runs `gitreg server pre-receive` / `post-receive` with the same Python that ran
`install` (a web server's or sshd's PATH need not hold gitreg). `hooks.py` reads what git
hands a hook (stdin lines `OLD NEW REF`, the pusher's identity from the environment) and calls
the features that judge (policy) and announce (events) the pushed ref updates.
"""
