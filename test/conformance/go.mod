module conformance

go 1.22

require github.com/wechatpay-apiv3/wechatpay-go v0.2.20
