import { GrowthChannelService, RefId, TrackConversion } from '@growth-channel/nestjs';
import { BadRequestException, Body, Controller, Get, Post } from '@nestjs/common';

const PLANS = { free: 0, pro: 49 } as const;
type Plan = keyof typeof PLANS;

const PRODUCTS = [
  { id: 'free', name: 'Free plan', price: PLANS.free },
  { id: 'pro', name: 'Pro plan', price: PLANS.pro },
];

interface Signup {
  signedUp: true;
  plan: Plan;
  price: number;
}

/** The demo shop: campaign links point at `/landing?ref_id=...`, and `POST /signup` is the conversion. */
@Controller()
export class ShopController {
  constructor(private readonly gc: GrowthChannelService) {}

  @Get('landing')
  landing(@RefId() refId: string | undefined) {
    return { message: 'Welcome to the example shop.', refId: refId ?? null };
  }

  @Get('products')
  products(@RefId() refId: string | undefined) {
    return { products: PRODUCTS, refId: refId ?? null };
  }

  // Sent after the handler returns, in the background: the response does not wait for Growth Channel.
  // A visitor without a ref_id (not from a campaign) signs up the same, and nothing is sent.
  @Post('signup')
  @TrackConversion<Signup>('user_converted', {
    revenue: (signup) => signup.price,
    conversion_data: (signup) => ({ plan: signup.plan }),
  })
  signup(@Body() body: { plan?: unknown } | undefined): Signup {
    const plan = body?.plan ?? 'free';
    if (typeof plan !== 'string' || !Object.hasOwn(PLANS, plan)) {
      // Thrown before success: nothing is sent.
      throw new BadRequestException(`plan must be one of ${Object.keys(PLANS).join(', ')}`);
    }
    // ... create the account here.
    return { signedUp: true, plan: plan as Plan, price: PLANS[plan as Plan] };
  }

  @Get('health')
  health() {
    return { status: 'ok', postbacks: this.gc.client.stats };
  }
}
