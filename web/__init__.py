"""Request/response helpers every app's views share: pagination, Excel export, a rate limit.

This package knows no model of the project, so every app may use it.
"""
