#include "tests/support/webhook_receiver.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "httplib.h"

namespace cxone::testing {

WebhookReceiver::WebhookReceiver()
    : server_(std::make_unique<httplib::Server>()) {
  server_->Post(".*", [this](const httplib::Request& request,
                             httplib::Response& response) {
    ReceivedWebhook webhook;
    for (const auto& [name, value] : request.headers) {
      webhook.headers[absl::AsciiStrToLower(name)] = value;
    }
    webhook.body = request.body;
    webhook.at = absl::Now();
    absl::Duration delay;
    {
      absl::MutexLock lock(&mu_);
      auto released = [this]()
                          ABSL_SHARED_LOCKS_REQUIRED(mu_) { return !held_; };
      mu_.Await(absl::Condition(&released));
      webhook.answered = status_;
      delay = delay_;
    }
    absl::SleepFor(delay);  // a slow receiver, as the test asked
    response.status = webhook.answered;
    absl::MutexLock lock(&mu_);
    if (webhook.answered >= 200 && webhook.answered < 300) {
      ++accepted_count_;
      last_accepted_ = absl::Now();
    }
    received_.push_back(std::move(webhook));
  });
  // As a real receiver would: a thread for every connection the gateway
  // keeps open, and keep-alive that lasts.
  server_->new_task_queue = [] { return new httplib::ThreadPool(64); };
  server_->set_keep_alive_max_count(100000);
  port_ = server_->bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

WebhookReceiver::~WebhookReceiver() {
  Release();
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string WebhookReceiver::url() const {
  return absl::StrCat("http://127.0.0.1:", port_, "/hooks");
}

void WebhookReceiver::AnswerWith(int status) {
  absl::MutexLock lock(&mu_);
  status_ = status;
}

void WebhookReceiver::DelayAnswers(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  delay_ = delay;
}

void WebhookReceiver::Hold() {
  absl::MutexLock lock(&mu_);
  held_ = true;
}

void WebhookReceiver::Release() {
  absl::MutexLock lock(&mu_);
  held_ = false;
}

std::vector<ReceivedWebhook> WebhookReceiver::received() const {
  absl::MutexLock lock(&mu_);
  return received_;
}

int64_t WebhookReceiver::accepted_count() const {
  absl::MutexLock lock(&mu_);
  return accepted_count_;
}

absl::Time WebhookReceiver::last_accepted() const {
  absl::MutexLock lock(&mu_);
  return last_accepted_;
}

std::vector<ReceivedWebhook> WebhookReceiver::accepted() const {
  std::vector<ReceivedWebhook> accepted;
  for (ReceivedWebhook& webhook : received()) {
    if (webhook.answered >= 200 && webhook.answered < 300) {
      accepted.push_back(std::move(webhook));
    }
  }
  return accepted;
}

}  // namespace cxone::testing
