"""Run test workers in real OS processes that all start at the same signal."""
import multiprocessing

CONTEXT = multiprocessing.get_context("spawn")


def run_in_processes(jobs, timeout=600):
    """Start each (target, args) in its own process; target receives args + (start, results),
    waits on `start`, and puts one result on `results`. Returns the results, in arrival order."""
    start, results = CONTEXT.Event(), CONTEXT.Queue()
    processes = [CONTEXT.Process(target=target, args=(*args, start, results)) for target, args in jobs]
    for process in processes:
        process.start()
    start.set()
    collected = [results.get(timeout=timeout) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    return collected
