"""A TEST TOOL, not part of @runyard/aws: moto (an AWS emulator) for the ECS tests, plus a control
endpoint that moto lacks.

moto runs no containers, and no HTTP API of moto's sets a task's status, stop code or exit code.
So this script runs moto in process (ThreadedMotoServer on 127.0.0.1) and beside it a small HTTP
endpoint through which the test's agent (ecs-agent.ts), which runs each task's container on a real
Docker engine, writes what really happened back into moto's ECS backend. DescribeTasks then answers
with it, as ECS would.

Two changes to moto's ECS, both towards real ECS: a new task starts PROVISIONING (moto says RUNNING
before anything runs), and StopTask only asks for the stop (desiredStatus STOPPED, stop code
UserInitiated); the agent stops the container and reports STOPPED with its real exit code.

Prints one JSON line, {"moto": <port>, "control": <port>}, once both listen; exits when stdin closes.
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from moto.ecs import models as ecs_models
from moto.moto_api import state_manager
from moto.server import ThreadedMotoServer

ACCOUNT = "123456789012"

# Task states change only when the agent says so.
state_manager.set_transition(model_name="ecs::task", transition={"progression": "manual", "times": 10**9})

_original_init = ecs_models.Task.__init__


def _task_init(self, *args, **kwargs):
    _original_init(self, *args, **kwargs)
    self.status = "PROVISIONING"
    self.stop_code = None
    for container in self.containers:
        container.exitCode = None
        container.reason = None


ecs_models.Task.__init__ = _task_init


def _stop_task(self, cluster_str, task_str, reason):
    task = _find(self, cluster_str, task_str)
    if task is None:
        raise ecs_models.InvalidParameterException(f"The referenced task was not found: {task_str}")
    if task.last_status != "STOPPED":
        task.desired_status = "STOPPED"
        task.stopped_reason = reason or "Task stopped by user"
        task.stop_code = "UserInitiated"
    return task


ecs_models.EC2ContainerServiceBackend.stop_task = _stop_task


def _find(backend, cluster_str, task_str):
    cluster_name = cluster_str.split("/")[-1]
    task_id = task_str.split("/")[-1]
    for arn, task in backend.tasks.get(cluster_name, {}).items():
        if arn.endswith(task_id):
            return task
    return None


class Control(BaseHTTPRequestHandler):
    """POST /task {region, cluster, taskArn, lastStatus?, desiredStatus?, stopCode?, stoppedReason?,
    containers?: [{name, lastStatus?, exitCode?, reason?}]}: sets those fields on the task."""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        backend = ecs_models.ecs_backends[ACCOUNT][body.get("region", "us-east-1")]
        task = _find(backend, body["cluster"], body["taskArn"])
        if task is None:
            return self._answer(404, {"error": f"no task {body['taskArn']}"})
        if "lastStatus" in body:
            task.status = body["lastStatus"]
        if "desiredStatus" in body:
            task.desired_status = body["desiredStatus"]
        if "stopCode" in body:
            task.stop_code = body["stopCode"]
        if "stoppedReason" in body:
            task.stopped_reason = body["stoppedReason"]
        for change in body.get("containers", []):
            for container in task.containers:
                if container.name == change["name"]:
                    if "lastStatus" in change:
                        container.last_status = change["lastStatus"]
                    if "exitCode" in change:
                        container.exitCode = change["exitCode"]
                    if "reason" in change:
                        container.reason = change["reason"]
        self._answer(200, {"ok": True})

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def main():
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    control = ThreadingHTTPServer(("127.0.0.1", 0), Control)
    threading.Thread(target=control.serve_forever, daemon=True).start()
    print(json.dumps({"moto": moto.get_host_and_port()[1], "control": control.server_address[1]}), flush=True)
    sys.stdin.read()  # the test closes stdin (or dies) to stop us
    control.shutdown()
    moto.stop()


if __name__ == "__main__":
    main()
