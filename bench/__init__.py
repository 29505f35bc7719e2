"""Benchmarks (run as scripts, see README.md) and the bench-only Django pieces the HTTP benchmark mounts:
``bench.settings`` = the product's settings plus this app and ``bench.urls`` (the product's routes plus two bare
insert endpoints). None of it is installed with the product."""
